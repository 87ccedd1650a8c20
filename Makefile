# heapprof - one plain GNU Makefile (fragments: viewer/viewer.mk, tests/tests.mk, bench/bench.mk).
# Variables: WERROR=1 (default), SAN=address|undefined|thread, DEBUG=1, V=1, CFLAGS appended last.
# Targets: all test unit itest bench demo lint install clean check-exports check-nomalloc

CC      ?= gcc
PREFIX  ?= /usr/local
WERROR  ?= 1
SAN     ?=
DEBUG   ?=

VARIANT := $(if $(SAN),$(SAN),$(if $(DEBUG),debug,release))
B       := build/$(VARIANT)

WARN    := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla -Wundef
ifeq ($(WERROR),1)
WARN    += -Werror
endif
OPT     := $(if $(DEBUG),-O0 -g3 -DHP_DEBUG=2,-O2 -g)
SANFL   := $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer,)
BASE_CFLAGS := -std=gnu11 $(OPT) $(WARN) -D_GNU_SOURCE -Iinclude -MMD -MP
USER_CFLAGS := $(CFLAGS)

PRELOAD_CFLAGS := -flto=auto -fPIC -fvisibility=hidden -ftls-model=initial-exec -fno-builtin-malloc \
                  -fno-builtin-free -fno-builtin-calloc -fno-builtin-realloc -fno-stack-protector
PRELOAD_LIBS   := -lunwind -ldl -lpthread -lm  # libdw: dlopen'ed at report time (symbolize.c)
# libiberty's demangler (preload/demangle.c says why), linked statically with its symbols kept
# local; without libiberty-dev the library builds anyway and leaves names mangled (the viewer
# demangles them when it has libiberty).
, := ,
IBERTY_A       := $(firstword $(wildcard /usr/lib/$(shell $(CC) -dumpmachine)/libiberty.a /usr/lib/libiberty.a))
IBERTY_CFLAGS  := $(if $(IBERTY_A),-DHP_HAVE_IBERTY=1,)
IBERTY_LIBS    := $(if $(IBERTY_A),$(IBERTY_A) -Wl$(,)--exclude-libs$(,)libiberty.a,)
PRELOAD_CFLAGS += $(IBERTY_CFLAGS)
PRELOAD_LIBS   += $(IBERTY_LIBS)

ifeq ($(V),1)
Q :=
else
Q := @
endif

PRELOAD_SRC := $(wildcard preload/*.c)
PRELOAD_OBJ := $(PRELOAD_SRC:%.c=$(B)/%.o)
LIB         := $(B)/libheapprof.so

.PHONY: all lib deps test unit itest bench demo lint format-check install clean check-exports check-nomalloc
all: lib

deps:
	@scripts/deps.sh build

# The preload library is never built with sanitizers (they cannot host a malloc interposer):
# it always goes to build/release.
LIBR := build/release/libheapprof.so
lib: $(LIBR)

$(LIBR): $(PRELOAD_SRC:%.c=build/release/%.o) preload/exports.txt
	@echo "  LD      $@"
	$(Q)$(CC) -O2 -flto=auto -shared -o $@ $(filter %.o,$^) -Wl,-z,now -Wl,--no-undefined $(PRELOAD_LIBS) $(USER_CFLAGS)

build/release/preload/%.o: preload/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -Iinclude -MMD -MP $(PRELOAD_CFLAGS) -c -o $@ $< $(USER_CFLAGS)

check-exports: $(LIBR)
	@nm -D --defined-only $(LIBR) | awk '$$2 ~ /^[TWiV]$$/ {print $$3}' | sed 's/@.*//' | sort -u > $(B)/exports.actual
	@sort -u preload/exports.txt | diff -u - $(B)/exports.actual && echo "  exports ok"

# P6: no interposed allocation, stdio or qsort inside the preload objects.
check-nomalloc: $(LIBR)
	@if nm -u build/release/preload/*.o | grep -wE 'malloc|calloc|realloc|free|strdup|fopen|[a-z]*printf|qsort|getenv'; then \
	    echo "check-nomalloc: the preload must not call the above"; exit 1; else echo "  nomalloc ok"; fi

-include viewer/viewer.mk
-include tests/tests.mk
-include bench/bench.mk

# The README's first command: install what is missing, build, profile the bundled example and
# show what a person reads first.
DEMO_DIR := build/demo
demo:
	@scripts/deps.sh build
	@$(MAKE) --no-print-directory lib build/release/tests/progs/demo $(if $(wildcard viewer/viewer.mk),viewer)
	@rm -rf $(DEMO_DIR) && mkdir -p $(DEMO_DIR)
	scripts/heapprof -o $(DEMO_DIR)/heapprof.%p.json build/release/tests/progs/demo
	@if [ -x build/release/heapview ]; then build/release/heapview $(DEMO_DIR)/heapprof.*.json; \
	else echo "(heapview not built; the report is JSON:)"; head -c 1500 $(DEMO_DIR)/heapprof.*.json; fi

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability --inline-suppr \
	    --suppress=missingIncludeSystem -Iinclude -Ipreload preload $(wildcard viewer)

FORMAT_SRC = $(wildcard preload/*.[ch] tests/itest/*.[ch] tests/unit/preload/*.[ch] tests/progs/*.c examples/*.c include/*.h)
format-check:
	clang-format --dry-run -Werror $(FORMAT_SRC)

install: all
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/include \
	    $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(LIBR) $(DESTDIR)$(PREFIX)/lib/libheapprof.so
	sed 's|^HP_LIBDIR_DEFAULT=.*|HP_LIBDIR_DEFAULT=$(PREFIX)/lib|' scripts/heapprof > $(DESTDIR)$(PREFIX)/bin/heapprof
	chmod 755 $(DESTDIR)$(PREFIX)/bin/heapprof
	install -m 644 include/heapprof.h include/heapprof_report.h $(DESTDIR)$(PREFIX)/include/
	$(if $(wildcard build/release/heapview),install -m 755 build/release/heapview $(DESTDIR)$(PREFIX)/bin/heapview)
	$(if $(wildcard docs/heapview.1),install -m 644 docs/heapview.1 $(DESTDIR)$(PREFIX)/share/man/man1/)

clean:
	rm -rf build

-include $(shell find build -name '*.d' 2>/dev/null)
# agg.c's apply has livetab.c's and sites.c's code inlined (flatten): GCC's SLP pass pairs adjacent
# counters (curb/curbk) into 16-byte vector updates there, more instructions than scalar ones and a
# 16-byte load of two 8-byte stores the next event may stall on.
build/release/preload/agg.o: PRELOAD_CFLAGS += -fno-tree-slp-vectorize
