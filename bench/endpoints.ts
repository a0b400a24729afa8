// `node dist/bench/endpoints.js`: only the sidecar's memory per mesh endpoint, with the full
// bench's plan (bench/sidecar-endpoints.ts), printed; `npm run bench` writes it into RESULTS.md.
import { runSidecarEndpoints, SIDECAR_ENDPOINTS_PLAN } from './sidecar-endpoints.js';

await runSidecarEndpoints(SIDECAR_ENDPOINTS_PLAN, (line) => console.log(line));
