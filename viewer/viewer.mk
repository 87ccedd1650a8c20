# viewer/viewer.mk - heapview: build, unit tests (plain and ASan+UBSan), fuzzing, benchmark.
# Included by the top Makefile (B, WARN, BASE_CFLAGS, SANFL, USER_CFLAGS, Q come from there).

HV_CJSON_CFL  := $(shell pkg-config --cflags libcjson 2>/dev/null)
HV_CJSON_LIBS := $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)
HV_CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)

VIEWER     := $(B)/heapview
HV_SRC     := $(wildcard viewer/*.c)
HV_LIB_SRC := $(filter-out viewer/main.c,$(HV_SRC))
# The allocator-glue table and its matcher are the preload's own (one list, both sides).
HV_SHARED  := preload/glue.c preload/glob.c preload/demangle.c
HV_LIB_OBJ := $(HV_LIB_SRC:%.c=$(B)/%.o) $(HV_SHARED:preload/%.c=$(B)/viewer/shared/%.o)
# The HTML page's files (viewer/html/), compiled in as strings (html_assets.h)
HV_ASSETS  := $(B)/viewer/gen/html_assets.o
HV_LIB_OBJ += $(HV_ASSETS)
# libiberty.a (IBERTY_A, found by the top Makefile) demangles names that arrive mangled (names.c)
HV_CFLAGS   = $(BASE_CFLAGS) $(SANFL) $(HV_CJSON_CFL) $(IBERTY_CFLAGS)
HV_LIBS    := $(HV_CJSON_LIBS) -lm -lz $(IBERTY_A)

.PHONY: viewer viewer-test viewer-asan-test fuzz viewer-bench
all: viewer
viewer: $(VIEWER)

$(B)/viewer/%.o: viewer/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -c -o $@ $< $(USER_CFLAGS)

$(B)/viewer/shared/%.o: preload/%.c
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -c -o $@ $< $(USER_CFLAGS)

# Each file becomes `const char hv_html_page_<ext>[] = {0x.., ..., 0};` (od: no xxd needed).
HV_PAGE := viewer/html/page.html viewer/html/page.css viewer/html/page.js
$(B)/viewer/gen/html_assets.c: $(HV_PAGE) viewer/viewer.mk
	@mkdir -p $(@D)
	@echo "  GEN     $@"
	$(Q){ echo '#include "html_assets.h"'; for f in $(HV_PAGE); do \
	    n=$$(basename $$f); n=$${n#page.}; [ $$n = html ] && n=body; \
	    echo "const char hv_html_page_$$n[] = {"; \
	    od -An -v -tx1 $$f | sed 's/ *\([0-9a-f][0-9a-f]\)/0x\1,/g'; echo '0};'; done; } > $@.tmp && mv $@.tmp $@
$(HV_ASSETS): $(B)/viewer/gen/html_assets.c
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -Iviewer -c -o $@ $< $(USER_CFLAGS)

$(VIEWER): $(B)/viewer/main.o $(HV_LIB_OBJ)
	@echo "  LD      $@"
	$(Q)$(CC) $(SANFL) -o $@ $^ $(HV_LIBS) $(USER_CFLAGS)

# ---- unit tests: tests/unit/viewer/test_<module>.c, one binary each ----
HV_TEST_SRC := $(wildcard tests/unit/viewer/test_*.c)
HV_TEST_BIN := $(HV_TEST_SRC:tests/unit/viewer/%.c=$(B)/tests/viewer/%)
HV_TEST_HLP := $(B)/tests/viewer/hvtest.o

$(HV_TEST_HLP): tests/unit/viewer/hvtest.c tests/unit/viewer/hvtest.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(HV_CFLAGS) -Iviewer -c -o $@ $< $(USER_CFLAGS)

$(B)/tests/viewer/test_%: tests/unit/viewer/test_%.c $(HV_LIB_OBJ) $(HV_TEST_HLP)
	@mkdir -p $(@D)
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -Iviewer -Wno-missing-prototypes -o $@ $(filter %.c %.o,$^) \
	    $(HV_CRIT_LIBS) $(HV_LIBS) $(USER_CFLAGS)

# Tests run from the top directory (they open tests/data/viewer/...) and call $(VIEWER) for
# the command-line cases.
viewer-test: $(VIEWER) $(HV_TEST_BIN)
	@set -e; for t in $(HV_TEST_BIN); do echo "  UNIT    $$t"; \
	    HEAPVIEW=$(CURDIR)/$(VIEWER) $$t $(CRITERION_FLAGS); done

# The same tests with AddressSanitizer + UndefinedBehaviorSanitizer (build/asan-ubsan/).
# Criterion forks its workers; ASan's leak checker runs at each worker's exit.
viewer-asan-test:
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    $(MAKE) --no-print-directory SAN=address,undefined viewer-test

# ---- fuzzing the loader (libFuzzer, clang) for FUZZ_SECONDS ----
FUZZ_SECONDS ?= 60
HV_FUZZ_DIR  := build/fuzz
fuzz:
	@scripts/deps.sh fuzz
	@mkdir -p $(HV_FUZZ_DIR)/corpus
	clang -std=gnu11 -g -O1 -D_GNU_SOURCE -Iinclude -Iviewer $(HV_CJSON_CFL) $(IBERTY_CFLAGS) \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $(HV_FUZZ_DIR)/fuzz_load tests/unit/viewer/fuzz_load.c viewer/load.c viewer/model.c viewer/names.c viewer/fmt.c $(HV_SHARED) \
	    $(HV_CJSON_LIBS) -lm $(IBERTY_A)
	cp tests/data/viewer/*.json tests/data/viewer/bad/* $(HV_FUZZ_DIR)/corpus/ 2>/dev/null || true
	$(HV_FUZZ_DIR)/fuzz_load -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=10 \
	    -rss_limit_mb=2048 -artifact_prefix=$(HV_FUZZ_DIR)/ -dict=tests/unit/viewer/report.dict $(HV_FUZZ_DIR)/corpus

# ---- benchmark: generated reports of 1, 10, 100 MB; time and peak RSS of the summary, and
# the time of the flame graph's tree (flame_bench) ----
HV_BENCH_DIR := build/bench-viewer
$(B)/viewer/gen_report: viewer/bench/gen_report.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -o $@ $< $(USER_CFLAGS)
# flame_bench: hv_flame_build (flame.h) alone on the same reports: the page's scale step.
$(B)/viewer/flame_bench: viewer/bench/flame_bench.c $(HV_LIB_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CC) $(HV_CFLAGS) -Iviewer -o $@ $^ $(HV_LIBS) $(USER_CFLAGS)
viewer-bench: $(VIEWER) $(B)/viewer/gen_report $(B)/viewer/flame_bench
	@mkdir -p $(HV_BENCH_DIR)
	@viewer/bench/run.sh $(VIEWER) $(B)/viewer/gen_report $(HV_BENCH_DIR) $(B)/viewer/flame_bench
