# bench/bench.mk - `make bench`: workloads built like the reference (gcc -O2 -g, no frame
# pointers), then bench/run.sh side by side with the peers. `make bench-quick`: small inputs.
# `make bench-sample`: sampling mode against the interpose floor and jemalloc's profiler (times
# and instructions); `make bench-accuracy`: sampled estimates against exact mode, per site.
BENCH_D  := build/bench
BENCH_CF := -O2 -g -fomit-frame-pointer
BENCH_BINS := $(BENCH_D)/churn $(BENCH_D)/churn_mt $(BENCH_D)/mix $(BENCH_D)/containers \
              $(BENCH_D)/bare_unwind.so $(BENCH_D)/interpose.so $(BENCH_D)/timeit

$(BENCH_D)/churn: bench/churn.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CF) -o $@ $<
$(BENCH_D)/churn_mt: bench/churn_mt.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CF) -o $@ $< -pthread
$(BENCH_D)/mix: bench/mix.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CF) -o $@ $<
$(BENCH_D)/containers: bench/containers.cc
	@mkdir -p $(@D)
	$(Q)g++ $(BENCH_CF) -o $@ $<
$(BENCH_D)/timeit: bench/timeit.c
	@mkdir -p $(@D)
	$(Q)$(CC) -O2 -Wall -Wextra -Werror -o $@ $<
$(BENCH_D)/interpose.so: bench/interpose.c
	@mkdir -p $(@D)
	$(Q)$(CC) -O2 -fPIC -shared -fvisibility=hidden -fno-semantic-interposition -Wall -Wextra \
	    -Werror -o $@ $< -ldl
$(BENCH_D)/bare_unwind.so: bench/bare_unwind.c
	@mkdir -p $(@D)
	$(Q)$(CC) -O2 -fPIC -shared -o $@ $< -lunwind -ldl

.PHONY: bench bench-quick bench-bins bench-ab bench-sample bench-accuracy
# Sampling mode's estimates against exact mode, site by site (bench/accuracy.sh; RUNS=, RATE=).
bench-accuracy: bench-bins progs
	bench/accuracy.sh -n $(or $(RUNS),5) -r $(or $(RATE),64K)
# Sampling mode against its floor and its peer (issue 11): enough alternating runs to resolve 5%
# (times), then the instruction counts, which the machine's load does not move.
SAMPLE_TOOLS := native,interpose,hp-sample,jemalloc,jemalloc-prof
bench-sample:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory bench-bins
	bench/run.sh -r $(or $(REPS),9) -t $(SAMPLE_TOOLS) -o build/bench/results-sample.md
	bench/run.sh -i -t $(SAMPLE_TOOLS) -o build/bench/results-sample-instr.md
# This tree against an earlier revision, alternating runs: make bench-ab BASE=<rev> [REPS=7]
bench-ab: bench-bins
	bench/ab.sh $(or $(BASE),HEAD~1) $(or $(REPS),7)
bench-bins: lib $(BENCH_BINS)
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory bench-bins
	bench/run.sh -r $(or $(REPS),3)
	@$(MAKE) --no-print-directory bench-leak
	@$(if $(wildcard viewer/viewer.mk),$(MAKE) --no-print-directory viewer-bench)
bench-quick:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory bench-bins
	bench/run.sh -q -o build/bench/results-quick.md

# The leak check's cost on 1,000,000 live blocks: the same run with and without the check.
$(BENCH_D)/leak1m: bench/leak1m.c
	@mkdir -p $(@D)
	$(Q)$(CC) $(BENCH_CF) -o $@ $<
.PHONY: bench-leak
bench-leak: lib $(BENCH_D)/leak1m
	@d=$$(mktemp -d); for mode in 0 1; do for i in 1 2 3; do \
	    HEAPPROF_LEAK_CHECK=$$mode HEAPPROF_QUIET=1 HEAPPROF_OUT=$$d/h.%p.json \
	    /usr/bin/time -f "leak-check=$$mode %e s %M KB" env LD_PRELOAD=$(CURDIR)/$(LIBR) \
	    $(BENCH_D)/leak1m >/dev/null; done; done 2>&1 | grep leak-check; rm -rf $$d
