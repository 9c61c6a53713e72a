/*
 * saga — book a trip: a flight, a hotel, a car.  Each booking is a step
 * against a service; if one fails for good, the ones already made are
 * cancelled in reverse order (compensation), with plain if and goto.  Kill
 * it anywhere: a booking that committed is never made twice, and a
 * compensation that committed is never run twice.
 *
 *   saga [DB] [--no-cars] [--quiet]   (--no-cars: the car rental is sold out)
 */
#include <durable.h>

#include <stdio.h>
#include <string.h>

static int cars_available = 1, quiet;

static void say(const char *what, const char *trip)
{
    if (!quiet)
        printf("  [step] %s for %s (key %s)\n", what, trip, durable_step_key());
}

/* Each booking returns a confirmation number.  A real one would call a
 * service and pass durable_step_key() so it can drop a repeated request. */
static int book_flight(const char *trip) { say("booking the flight", trip); return 1001; }
static int book_hotel(const char *trip) { say("booking the hotel", trip); return 2002; }

static int book_car(const char *trip)
{
    say("booking a car", trip);
    if (!cars_available)
        durable_fail_permanent(409, "no cars left"); /* retrying will not help */
    return 3003;
}

static int cancel_booking(const char *what, int confirmation)
{
    if (!quiet)
        printf("  [step] cancelling %s %d\n", what, confirmation);
    return 0;
}

durable int book_trip(const char *trip)
{
    int flight = await(book_flight(trip));
    if (durable_error())
        return -1;
    int hotel = await(book_hotel(trip));
    if (durable_error())
        goto cancel_flight;
    int car = await(book_car(trip));
    if (durable_error())
        goto cancel_hotel;
    return flight + hotel + car; /* all three booked */

cancel_hotel:
    await(cancel_booking("hotel", hotel));
cancel_flight:
    await(cancel_booking("flight", flight));
    return -2; /* compensated: nothing left booked */
}

int main(int argc, char **argv)
{
    const char *db = "saga.db";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-cars") == 0)
            cars_available = 0;
        else if (strcmp(argv[i], "--quiet") == 0)
            quiet = 1;
        else
            db = argv[i];
    }
    durable_rt *rt;
    int rc = durable_open(&rt, db, NULL);
    if (rc != DURABLE_OK) {
        fprintf(stderr, "saga: %s: %s\n", db, durable_strerror(rc));
        return 1;
    }
    rc = durable_start(rt, "trip-lisbon", book_trip("Lisbon, 3 nights"));
    while (rc >= 0 && (rc = durable_run(rt)) > 0)
        rc = durable_wait(rt, 1000);
    int result = 0;
    if (rc >= 0)
        rc = durable_result(rt, "trip-lisbon", &result);
    if (rc < 0) {
        fprintf(stderr, "saga: %s\n", durable_strerror(rc));
        durable_close(rt);
        return 1;
    }
    printf("trip-lisbon: %s (%d)\n", result > 0 ? "booked" : "not booked, bookings cancelled", result);
    durable_close(rt);
    return 0;
}
