// Open-loop load on a target with the CPU its proxy processes spent on it: latency and CPU per
// request at a fixed rate, the figures every data-plane table reports.
import { runOpenLoop, type LatencyResult } from '../load/open-loop.js';
import type { Target } from '../targets/target.js';
import { totalCpuSeconds } from './proc-stat.js';

export interface OpenLoopCpu {
  latency: LatencyResult;
  /** Proxy CPU at the rate, in vCPU (cores busy). */
  vcpu: number;
  /** Proxy CPU per request, in microseconds. */
  cpuUsPerRequest: number;
}

export async function measureOpenLoop(
  target: Target,
  rate: number,
  seconds: number,
  warmupSeconds: number,
): Promise<OpenLoopCpu> {
  const pids = target.proxyPids();
  const cpuBefore = totalCpuSeconds(pids);
  const latency = await runOpenLoop(target.address, target.host, rate, seconds, warmupSeconds);
  const cpu = totalCpuSeconds(pids) - cpuBefore;
  // The proxies idle while the generator starts and drains: the load lasted warm-up + measured
  // time, at the fixed rate.
  const loadSeconds = seconds + warmupSeconds;
  return { latency, vcpu: cpu / loadSeconds, cpuUsPerRequest: (cpu * 1e6) / (loadSeconds * rate) };
}
