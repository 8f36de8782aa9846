/** REST: the liveness answer a load balancer's health check reads. */
import { z } from 'zod';

/** GET /healthz */
export const HealthResponse = z.object({ status: z.literal('ok') });
export type HealthResponse = z.infer<typeof HealthResponse>;
