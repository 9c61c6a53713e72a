/* shop.h — declarations shared by the durable test project. */
#ifndef SHOP_H
#define SHOP_H
#include <durable.h>

int add_step(int a, int b);          /* an ordinary function: a step */
durable int scaled(int x);           /* a durable child, in child.c */
durable int total(int n);            /* the workflow, in flow.c */

#define SHOP_SCALE 2
#endif
