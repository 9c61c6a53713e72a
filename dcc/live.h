/*
 * live.h — a control-flow graph of one lowered durable function and
 * backward liveness over it.  Nodes carry the variables they read (use) and
 * overwrite for sure (def); lower.c builds the graph as it rewrites.
 */
#ifndef DCC_LIVE_H
#define DCC_LIVE_H

#include <stdio.h>

typedef struct cfg cfg;

cfg *cfg_new(void);
void cfg_free(cfg *g);
/* A new node with no edges; returns its id. */
int cfg_node(cfg *g);
/* An edge; ignored when either end is negative (unreachable code). */
void cfg_edge(cfg *g, int from, int to);
void cfg_use(cfg *g, int node, int var);
void cfg_def(cfg *g, int node, int var);
/* Compute live-in sets for `nvars` variables (iterates to a fixed point). */
void cfg_solve(cfg *g, int nvars);
/* After cfg_solve: is `var` live on entry to `node`? */
int cfg_live_in(const cfg *g, int node, int var);
/* Successors of a node (for --emit-dot). */
int cfg_nsucc(const cfg *g, int node);
int cfg_succ(const cfg *g, int node, int i);
int cfg_count(const cfg *g);
/* Debugging: print the graph (DCC_DEBUG_CFG=1). */
void cfg_dump(const cfg *g, FILE *out);

#endif
