/* heapprof_report.h - the JSON key names of a heapprof report (docs/report-format.md).
 * The library writes through these macros and the viewer reads through them, so the two
 * can only disagree where this file and the document disagree. No code, no allocation. */
#ifndef HEAPPROF_REPORT_H
#define HEAPPROF_REPORT_H

#define HPR_FILE_VERSION 2 /* dhatFileVersion heapprof writes and heapview accepts */
#define HPR_EXT_VERSION  1 /* hp_version */

/* Top level, DHAT's names. */
#define HPR_VERSION "dhatFileVersion"
#define HPR_MODE    "mode"
#define HPR_VERB    "verb"
#define HPR_BKLT    "bklt"
#define HPR_BKACC   "bkacc"
#define HPR_TU      "tu"
#define HPR_MTU     "Mtu"
#define HPR_TUTH    "tuth"
#define HPR_CMD     "cmd"
#define HPR_PID     "pid"
#define HPR_TE      "te"
#define HPR_TG      "tg"
#define HPR_PPS     "pps"
#define HPR_FTBL    "ftbl"

/* Top level, heapprof's extensions. */
#define HPR_HP_VERSION      "hp_version"
#define HPR_HP_COMPLETE     "hp_complete"
#define HPR_HP_ERRORS       "hp_errors"
#define HPR_HP_DEPTH        "hp_depth"
#define HPR_HP_CLOCK        "hp_clock"
#define HPR_HP_TOTAL_BLOCKS "hp_total_blocks"
#define HPR_HP_TOTAL_BYTES  "hp_total_bytes"
#define HPR_HP_GMAX_BLOCKS  "hp_gmax_blocks"
#define HPR_HP_GMAX_BYTES   "hp_gmax_bytes"
#define HPR_HP_END_BLOCKS   "hp_end_blocks"
#define HPR_HP_END_BYTES    "hp_end_bytes"
#define HPR_HP_LEAK_CHECK   "hp_leak_check"
#define HPR_HP_TIMELINE     "hp_timeline"
#define HPR_HP_SAMPLE       "hp_sample" /* {"rate": R, "samples": N}: sampling mode only */
#define HPR_SAMPLE_RATE     "rate"
#define HPR_SAMPLE_SAMPLES  "samples"

/* hp_timeline: {"t": [us], "b": [bytes], "bk": [blocks], "sites": [{"pp": i, "b": [...]}]} */
#define HPR_TL_T          "t"
#define HPR_TL_B          "b"
#define HPR_TL_BK         "bk"
#define HPR_TL_SITES      "sites"
#define HPR_TL_PP         "pp"
#define HPR_TL_MAX_POINTS 2000 /* points at most */
#define HPR_TL_MAX_SITES  16   /* per-site series at most */

/* Program point (call site), DHAT's names. */
#define HPR_TB  "tb"
#define HPR_TBK "tbk"
#define HPR_TL  "tl"
#define HPR_MB  "mb"
#define HPR_MBK "mbk"
#define HPR_GB  "gb"
#define HPR_GBK "gbk"
#define HPR_EB  "eb"
#define HPR_EBK "ebk"
#define HPR_FS  "fs"
/* DHAT-only (bkacc true); heapprof never writes them. */
#define HPR_RB  "rb"
#define HPR_WB  "wb"
#define HPR_ACC "acc"

/* Program point, heapprof's extensions. */
#define HPR_HP_RS   "hp_rs"
#define HPR_HP_RSG  "hp_rsg"
#define HPR_HP_LEAK "hp_leak"
#define HPR_HP_HIST "hp_hist"

/* hp_hist: {"size": [blocks per log2 bucket], "life": [...]}: bucket i is [2^i, 2^(i+1)) bytes
 * or us (size bucket 0 holds 0 and 1, life bucket 0 holds < 2 us); trailing zeros omitted. */
#define HPR_H_SIZE        "size"
#define HPR_H_LIFE        "life"
#define HPR_H_MAX_BUCKETS 40 /* per histogram at most */
/* the library's names for the same keys */
#define HPR_HIST_SIZE    HPR_H_SIZE
#define HPR_HIST_LIFE    HPR_H_LIFE
#define HPR_HIST_BUCKETS HPR_H_MAX_BUCKETS

/* Leak classes: in hp_leak (per site) and hp_leak_check (totals). */
#define HPR_LK_DB  "db"
#define HPR_LK_DBK "dbk"
#define HPR_LK_IB  "ib"
#define HPR_LK_IBK "ibk"
#define HPR_LK_RB  "rb"
#define HPR_LK_RBK "rbk"
#define HPR_LK_SB  "sb"
#define HPR_LK_SBK "sbk"
#define HPR_LK_UB  "ub"
#define HPR_LK_UBK "ubk"
#define HPR_LK_SUP "sup"

#define HPR_LC_MODE              "mode"
#define HPR_LC_DEFINITE_BYTES    "definite_bytes"
#define HPR_LC_DEFINITE_BLOCKS   "definite_blocks"
#define HPR_LC_INDIRECT_BYTES    "indirect_bytes"
#define HPR_LC_INDIRECT_BLOCKS   "indirect_blocks"
#define HPR_LC_REACHABLE_BYTES   "reachable_bytes"
#define HPR_LC_REACHABLE_BLOCKS  "reachable_blocks"
#define HPR_LC_SUPPRESSED_BYTES  "suppressed_bytes"
#define HPR_LC_SUPPRESSED_BLOCKS "suppressed_blocks"
#define HPR_LC_UNREADABLE_BYTES  "unreadable_bytes"
#define HPR_LC_UNREADABLE_BLOCKS "unreadable_blocks"
#define HPR_LC_NO_VERDICT        "no_verdict"
#define HPR_LC_EXIT_CODE         "exit_code"

#define HPR_ROOT_FRAME "[root]"

#endif
