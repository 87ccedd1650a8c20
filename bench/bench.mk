# bench/bench.mk - `make bench`: workloads built like the reference (gcc -O2 -g, no frame
# pointers), then bench/run.sh side by side with the peers. `make bench-quick`: small inputs.
BENCH_D  := build/bench
BENCH_CF := -O2 -g -fomit-frame-pointer
BENCH_BINS := $(BENCH_D)/churn $(BENCH_D)/churn_mt $(BENCH_D)/mix $(BENCH_D)/containers \
              $(BENCH_D)/bare_unwind.so

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
$(BENCH_D)/bare_unwind.so: bench/bare_unwind.c
	@mkdir -p $(@D)
	$(Q)$(CC) -O2 -fPIC -shared -o $@ $< -lunwind -ldl

.PHONY: bench bench-quick bench-bins
bench-bins: lib $(BENCH_BINS)
bench:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory bench-bins
	bench/run.sh -r $(or $(REPS),3)
	@$(if $(wildcard viewer/viewer.mk),$(MAKE) --no-print-directory viewer-bench)
bench-quick:
	@scripts/deps.sh bench
	@$(MAKE) --no-print-directory bench-bins
	bench/run.sh -q -o build/bench/results-quick.md
