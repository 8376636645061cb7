// The events jobs appends (source "/switchboard/jobs"). Payloads hold queue
// names, ids, attempts and error messages, never a job's payload (it may hold
// personal data the event log should not copy).
#pragma once

#include "events/event_type.h"

namespace sb::jobs {

inline constexpr const char* kJobsSource = "/switchboard/jobs";

inline constexpr events::EventType kJobDead{kJobsSource, "job.dead", "A job used its last attempt and is dead-lettered"};
inline constexpr events::EventType kJobCompleted{kJobsSource, "job.completed",
                                                 "A job completed (only with jobs.event_per_completion)"};
inline constexpr events::EventType kJobRetried{kJobsSource, "job.retried", "A dead or cancelled job was put back"};
inline constexpr events::EventType kJobCancelled{kJobsSource, "job.cancelled", "A waiting or delayed job was cancelled"};
inline constexpr events::EventType kQueuePaused{kJobsSource, "queue.paused", "A queue stopped handing out jobs"};
inline constexpr events::EventType kQueueResumed{kJobsSource, "queue.resumed", "A paused queue hands out jobs again"};
inline constexpr events::EventType kQueueConfigured{kJobsSource, "queue.configured",
                                                    "A queue's concurrency, rate limit or retention changed"};
inline constexpr events::EventType kScheduleChanged{kJobsSource, "schedule.changed",
                                                    "A repeatable job was added, replaced or removed"};

inline constexpr const events::EventType* kJobEventTypes[] = {
    &kJobDead,    &kJobCompleted,    &kJobRetried,     &kJobCancelled,
    &kQueuePaused, &kQueueResumed,   &kQueueConfigured, &kScheduleChanged,
};

}  // namespace sb::jobs
