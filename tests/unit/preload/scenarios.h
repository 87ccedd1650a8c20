/* scenarios.h - concurrent scenarios shared by the Criterion tests and the TSan driver
 * (Criterion itself cannot start under TSan: its arena mapping collides with TSan's shadow).
 * Each returns NULL on success or a message naming the first violated expectation. */
#ifndef SCENARIOS_H
#define SCENARIOS_H

const char *scenario_pipeline(void);
const char *scenario_stacktab(void);

#endif
