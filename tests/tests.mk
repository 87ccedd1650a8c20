# tests/tests.mk - unit tests (Criterion, per module), integration tests under LD_PRELOAD,
# and the fragments of the other suites. Included by the top Makefile.

CRIT_LIBS  := $(shell pkg-config --libs criterion 2>/dev/null || echo -lcriterion)
CJSON_CFL  := $(shell pkg-config --cflags libcjson 2>/dev/null)
CJSON_LIBS := $(shell pkg-config --libs libcjson 2>/dev/null || echo -lcjson)

TB      := $(B)/tests
PROGS_D := build/release/tests/progs

# ---- test programs (always release: they run under the preload) ----
PROG_C   := basic peak eqpeak threads lifecycle dl leaks api
PROG_C   += getattr_first stack_roots chdir_exit many_sites
PROG_C   += dlstress
PROG_C   += dlcancel
PROG_C   += dlnestmain
PROG_C   += edge_sig
PROG_C   += edge_exit
PROGS    := $(PROG_C:%=$(PROGS_D)/%) $(PROGS_D)/cxx $(PROGS_D)/leaks_cxx $(PROGS_D)/libdlhelper.so \
            $(PROGS_D)/threads_je $(PROGS_D)/demo
PROGS    += $(PROGS_D)/rust_start
PROG_CFLAGS := -O1 -g -Wall -Wextra -Werror

$(PROGS_D)/%: tests/progs/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -Iinclude -o $@ $< -pthread -ldl
$(PROGS_D)/cxx: tests/progs/cxx.cc
	@mkdir -p $(@D)
	$(Q)g++ -O1 -g -Wall -Wextra -Werror -o $@ $<
$(PROGS_D)/leaks_cxx: tests/progs/leaks_cxx.cc
	@mkdir -p $(@D)
	$(Q)g++ -O1 -g -Wall -Wextra -Werror -o $@ $<
$(PROGS_D)/libdlhelper.so: tests/progs/dlhelper.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -fPIC -shared -o $@ $<
$(PROGS_D)/threads_je: tests/progs/threads.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $< -pthread -ljemalloc
$(PROGS_D)/rust_start: tests/progs/rust_start.rs
	@mkdir -p $(@D)
	$(Q)rustc -O -g -o $@ $<
$(PROGS_D)/demo: examples/demo.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $<

# Edges of exact recording (tests/itest/test_edges.c).
PROGS  += $(PROGS_D)/edges $(PROGS_D)/newhandler $(PROGS_D)/libdeepfree.so
$(PROGS_D)/newhandler: tests/progs/newhandler.cc
	@mkdir -p $(@D)
	$(Q)g++ -O1 -g -Wall -Wextra -Werror -o $@ $<
$(PROGS_D)/libdeepfree.so: tests/progs/deepfree.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -fPIC -shared -o $@ $<
# dlclose and unloaded objects (test_dlclose.c): two objects of one layout, a caller with frame
# pointers (unl.c says why)
PROGS    += $(PROGS_D)/unl $(PROGS_D)/libunlA.so $(PROGS_D)/libunlB.so
$(PROGS_D)/unl: tests/progs/unl.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -fno-omit-frame-pointer -o $@ $< -ldl
$(PROGS_D)/libunlA.so: tests/progs/unl_lib.S
	@mkdir -p $(@D)
	$(Q)$(CC) -DUNL_A -fPIC -shared -o $@ $<
$(PROGS_D)/libunlB.so: tests/progs/unl_lib.S
	@mkdir -p $(@D)
	$(Q)$(CC) -fPIC -shared -o $@ $<
PROGS    += $(PROGS_D)/libdlnest.so
$(PROGS_D)/libdlnest.so: tests/progs/dlnest.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -fPIC -shared -o $@ $< -ldl

# Frees and allocations in a signal handler that interrupted a hook (tests/itest/test_signal.c).
PROGS  += $(PROGS_D)/sigfree
# Ends of an image racing with other threads (tests/itest/test_ends.c).
PROGS  += $(PROGS_D)/ends

# Leak-check roots: a fork child's copies of the parent's other threads' stacks, and other
# threads' stacks for the API without HEAPPROF_LEAK_CHECK (tests/itest/test_leak_roots.c).
PROGS  += $(PROGS_D)/fork_thread_leak
PROGS  += $(PROGS_D)/api_thread_leak
# A lost block whose events heapprof's consumer thread drained (its stack is wiped: worker.c).
PROGS  += $(PROGS_D)/consumer_leak

# Hazards for the leak check (tests/itest/test_leak_hazards.c): no descriptor left at exit,
# another thread's legitimate SIGSEGVs during the scan, a block freed behind the preload.
PROGS  += $(PROGS_D)/nofile $(PROGS_D)/segv_barrier $(PROGS_D)/libc_free

# The leak gate against memcheck on the same programs (tests/itest/test_leak_agree.c): an own
# arena and C++ containers without leaks, and C and C++ programs with known leaks.
PROGS  += $(PROGS_D)/agree_arena $(PROGS_D)/agree_leaks
PROGS  += $(PROGS_D)/agree_cxx $(PROGS_D)/agree_leaks_cxx
$(PROGS_D)/agree_cxx: tests/progs/agree_cxx.cc
	@mkdir -p $(@D)
	$(Q)g++ -O1 -g -Wall -Wextra -Werror -o $@ $<
$(PROGS_D)/agree_leaks_cxx: tests/progs/agree_leaks_cxx.cc
	@mkdir -p $(@D)
	$(Q)g++ -O1 -g -Wall -Wextra -Werror -o $@ $< -pthread

# Suppressed leaks are roots, as in LeakSanitizer: the same program under LSan
# (tests/itest/test_leakcheck.c).
PROGS  += $(PROGS_D)/adopt $(PROGS_D)/adopt_lsan
$(PROGS_D)/adopt_lsan: tests/progs/adopt.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -fsanitize=leak -o $@ $<

# Demangled names (test_names.c): Rust in both manglings, C++ at -O2 with GCC clones.
PROGS  += $(PROGS_D)/rust_names $(PROGS_D)/rust_names_v0 $(PROGS_D)/cxx_names
$(PROGS_D)/rust_names: tests/progs/rust_names.rs
	@mkdir -p $(@D)
	$(Q)rustc -O -g -o $@ $<
$(PROGS_D)/rust_names_v0: tests/progs/rust_names.rs
	@mkdir -p $(@D)
	$(Q)rustc -O -g -C symbol-mangling-version=v0 -o $@ $<
$(PROGS_D)/cxx_names: tests/progs/cxx_names.cc
	@mkdir -p $(@D)
	$(Q)g++ -O2 -g -Wall -Wextra -Werror -o $@ $<

# Allocation sites in the user's code (tests/itest/test_glue.c): libc, C++ and Rust glue.
PROGS  += $(PROGS_D)/glue_c $(PROGS_D)/glue_cxx $(PROGS_D)/glue_rust
$(PROGS_D)/glue_cxx: tests/progs/glue_cxx.cc
	@mkdir -p $(@D)
	$(Q)g++ -O2 -g -Wall -Wextra -Werror -o $@ $<
$(PROGS_D)/glue_rust: tests/progs/glue_rust.rs
	@mkdir -p $(@D)
	$(Q)rustc -O -g -o $@ $<

# Rust programs under the leak gate (tests/itest/test_rust.c): one without a leak of its own,
# one with a Box::leak and a mem::forget.
PROGS  += $(PROGS_D)/rust_clean $(PROGS_D)/rust_leak
$(PROGS_D)/rust_clean $(PROGS_D)/rust_leak: $(PROGS_D)/%: tests/progs/%.rs
	@mkdir -p $(@D)
	$(Q)rustc -O -g -o $@ $<

# The workflow (tests/itest/test_workflow.c): a program that allocates nothing.
PROGS  += $(PROGS_D)/noalloc

# The heap over time and the histograms (tests/itest/test_timeline.c).
PROGS  += $(PROGS_D)/timeline

# The browser test's programs (tests/browser/page_test.mjs): the demo, and leaky.c, whose
# numbers tests/data/viewer/README.md computes by hand (for the diff page).
PROGS  += $(PROGS_D)/leaky
$(PROGS_D)/leaky: tests/data/viewer/src/leaky.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(PROG_CFLAGS) -o $@ $<

# Sampling mode on known volumes (tests/itest/test_sample.c).
PROGS  += $(PROGS_D)/sampled

# Live snapshots of a running server (tests/itest/test_snapshot.c).
PROGS  += $(PROGS_D)/snapserver

# The cached walker's reuse of its previous walk, checked by libunwind (test_unwind.c): -O2,
# no frame pointers, as the stacks it reuses are built in practice.
PROGS  += $(PROGS_D)/unwreuse
$(PROGS_D)/unwreuse: tests/progs/unwreuse.cc
	@mkdir -p $(@D)
	$(Q)g++ -O2 -g -Wall -Wextra -Werror -o $@ $< -pthread

# (PROGS is a prerequisite of itest below: add programs above this line.)
progs: $(PROGS)

# ---- integration tests (Criterion binaries that run the programs) ----
ITEST_SRC := $(wildcard tests/itest/test_*.c)
ITEST_BIN := $(ITEST_SRC:tests/itest/%.c=$(TB)/itest/%)

$(TB)/itest/itest.o: tests/itest/itest.c tests/itest/itest.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(SANFL) $(CJSON_CFL) -Wno-missing-prototypes -c -o $@ $< $(USER_CFLAGS)
$(TB)/itest/test_%: tests/itest/test_%.c $(TB)/itest/itest.o
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(SANFL) $(CJSON_CFL) -Wno-missing-prototypes -o $@ $(filter %.c %.o,$^) $(CRIT_LIBS) $(CJSON_LIBS) -lm $(USER_CFLAGS)

# The preload built for tests with a per-thread clock offset (clock.h, HP_TEST_SKEW): threads
# alternate between +50 us and -50 us, so every cross-thread hand-off inverts the raw clocks.
SKEW_LIB := build/skew/libheapprof.so
build/skew/preload/%.o: preload/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -O2 -g $(WARN) -D_GNU_SOURCE -DHP_TEST_SKEW -Iinclude -MMD -MP $(PRELOAD_CFLAGS) -c -o $@ $< $(USER_CFLAGS)
$(SKEW_LIB): $(PRELOAD_SRC:%.c=build/skew/%.o)
	$(Q)$(CC) -O2 -flto=auto -shared -o $@ $^ -Wl,-z,now -Wl,--no-undefined $(PRELOAD_LIBS) $(USER_CFLAGS)

ITEST_ENV = HP_LIB=$(CURDIR)/$(LIBR) HP_SKEW_LIB=$(CURDIR)/$(SKEW_LIB) HP_PROGS=$(CURDIR)/$(PROGS_D) \
            HEAPVIEW=$(CURDIR)/$(VIEWER)
itest: lib $(SKEW_LIB) $(PROGS) $(VIEWER) $(ITEST_BIN)
	@set -e; for t in $(ITEST_BIN); do echo "  ITEST   $$t"; $(ITEST_ENV) $$t --jobs 2 $(CRITERION_FLAGS); done

# ---- unit tests: preload modules linked directly (no hooks, no constructor) ----
UNIT_MODS := arena clock config fmt livetab log order sites timeline stacktab tlbuf agg unwind fastunwind glob sort sample bell
UNIT_OBJ  := $(UNIT_MODS:%=$(TB)/unitobj/%.o)
UNIT_SRC  := $(wildcard tests/unit/preload/test_*.c)
UNIT_BIN  := $(UNIT_SRC:tests/unit/preload/%.c=$(TB)/unit/%)
SCEN_OBJ  := $(TB)/unitobj/scenarios.o

# Unit objects are test builds: a per-thread clock offset (clock.h) and the debug assertions
# of the file headers' invariants (HP_DEBUG=1) are compiled in.
UNIT_CFLAGS := -DHP_TEST_SKEW $(if $(DEBUG),,-DHP_DEBUG=1)
$(TB)/unitobj/%.o: preload/%.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(UNIT_CFLAGS) $(SANFL) -c -o $@ $< $(USER_CFLAGS)
$(SCEN_OBJ): tests/unit/preload/scenarios.c tests/unit/preload/scenarios.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(UNIT_CFLAGS) $(SANFL) -Ipreload -c -o $@ $< $(USER_CFLAGS)
$(TB)/unit/test_%: tests/unit/preload/test_%.c $(UNIT_OBJ) $(SCEN_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(UNIT_CFLAGS) $(SANFL) -Ipreload -Wno-missing-prototypes -o $@ $(filter %.c %.o,$^) $(CRIT_LIBS) -lunwind -lpthread -lm $(USER_CFLAGS)
$(TB)/unit/tsan_main: tests/unit/preload/tsan_main.c $(UNIT_OBJ) $(SCEN_OBJ)
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) $(UNIT_CFLAGS) $(SANFL) -Ipreload -o $@ $(filter %.c %.o,$^) -lunwind -lpthread -lm $(USER_CFLAGS)

unit: $(UNIT_BIN)
	@set -e; for t in $(UNIT_BIN); do echo "  UNIT    $$t"; $$t $(CRITERION_FLAGS); done

# TSan on the concurrent modules (the preload itself cannot host a sanitizer, and Criterion
# cannot start under TSan): the same scenarios through a plain driver.
tsan-run: $(TB)/unit/tsan_main
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" $(TB)/unit/tsan_main
tsan-unit:
	$(MAKE) SAN=thread tsan-run

# Dogfooding: the project's own unit tests (viewer and preload modules) under its own leak
# gate. Every test process exits 23 if it leaks, which fails its test and this target.
# --jobs 1: Criterion 2.4's runner itself loses a 48-byte block on some parallel runs (valgrind
# --leak-check=full reports the same block on the same runs); serial runs are leak-free.
DOGFOOD_BIN = $(UNIT_BIN) $(if $(wildcard viewer/viewer.mk),$(HV_TEST_BIN))
dogfood: lib $(DOGFOOD_BIN) $(if $(wildcard viewer/viewer.mk),$(VIEWER))
	@d=$$(mktemp -d); set -e; for t in $(DOGFOOD_BIN); do echo "  DOGFOOD $$t"; \
	    HEAPVIEW=$(CURDIR)/$(VIEWER) HEAPPROF_LEAK_CHECK=1 HEAPPROF_QUIET=1 HEAPPROF_OUT=$$d/h.%p.json \
	    LD_PRELOAD=$(CURDIR)/$(LIBR) $$t --jobs 1 $(CRITERION_FLAGS); done; rm -rf $$d

# ---- heapview --html in a real browser: Debian's Chromium, headless, driven by Playwright ----
# playwright-core (pinned) from the npm registry into build/browser, only if missing; it drives
# /usr/bin/chromium (apt package chromium, scripts/deps.sh test) and downloads no browser.
PW_VERSION := 1.65.1
PW_DIR     := build/browser/node_modules/playwright-core
PW_STAMP   := $(PW_DIR)/package.json
$(PW_STAMP):
	@scripts/deps.sh browser
	npm install --prefix build/browser --no-audit --no-fund playwright-core@$(PW_VERSION)
BROWSER_ENV = HP_LIB=$(CURDIR)/$(LIBR) HP_PROGS=$(CURDIR)/$(PROGS_D) HEAPVIEW=$(CURDIR)/$(VIEWER) \
              PW_DIR=$(CURDIR)/build/browser/node_modules OUT_DIR=$(CURDIR)/build/browser/out
.PHONY: browser-test screenshot
browser-test: lib $(VIEWER) $(PROGS_D)/demo $(PROGS_D)/leaky $(PW_STAMP)
	$(BROWSER_ENV) node tests/browser/page_test.mjs
# The README's picture: the demo's page, taken by the same machinery (commit docs/heapview-page.png).
screenshot: lib $(VIEWER) $(PROGS_D)/demo $(PW_STAMP)
	$(BROWSER_ENV) node tests/browser/page_test.mjs --screenshot $(CURDIR)/docs/heapview-page.png

.SECONDARY:
.PHONY: progs itest unit tsan-unit test test-fast dogfood
TEST_PARTS := lib check-exports check-nomalloc unit tsan-unit itest \
              $(if $(wildcard tests/itest/real.mk),itest-real-quick) \
              $(if $(wildcard viewer/viewer.mk),viewer-test viewer-asan-test) \
              $(if $(wildcard viewer/viewer.mk),browser-test) \
              dogfood example-api lint format-check
test:
	@scripts/deps.sh test
	$(MAKE) $(TEST_PARTS)

# examples/api_test.c: a Criterion suite using the C API, run under the preload.
$(TB)/examples/api_test: examples/api_test.c include/heapprof.h
	@mkdir -p $(@D)
	$(Q)$(CC) $(BASE_CFLAGS) -Wno-missing-prototypes -o $@ $< $(CRIT_LIBS) $(USER_CFLAGS)
.PHONY: example-api
example-api: lib $(TB)/examples/api_test
	HEAPPROF_QUIET=1 HEAPPROF_OUT=/dev/null/x LD_PRELOAD=$(CURDIR)/$(LIBR) $(TB)/examples/api_test
	$(TB)/examples/api_test

