"""Background work: the job queue and its worker, the transactional outbox, the core's housekeeping
jobs, the health check and the queue pages (dead jobs, replay)."""
