/* html_assets.h - the page's own files (viewer/html/page.{html,css,js}) as NUL-terminated
 * strings, generated at build time by viewer/viewer.mk (od, into $(B)/viewer/gen/).
 * out_html.c inlines them into every page: the page never fetches anything. */
#ifndef HV_HTML_ASSETS_H
#define HV_HTML_ASSETS_H

extern const char hv_html_page_body[]; /* viewer/html/page.html: the panels, empty */
extern const char hv_html_page_css[];  /* viewer/html/page.css */
extern const char hv_html_page_js[];   /* viewer/html/page.js: draws the panels from the data */

#endif
