// Ports that fetch refuses (the WHATWG "bad ports") but any server may use: tests of tools that must
// reach an admin listener on whatever port it was given start that listener on one of these.
const BAD_PORTS = [6000, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 6566, 10080, 4045, 4190, 5060, 5061];

/** Runs `start` with each bad port in turn until one is not in use (the start failed with EADDRINUSE). */
export async function onBadPort<T>(start: (port: number) => Promise<T>): Promise<T> {
  for (const port of BAD_PORTS) {
    try {
      return await start(port);
    } catch (error) {
      if (!String(error).includes('EADDRINUSE')) throw error;
    }
  }
  throw new Error(`every bad port is in use: ${BAD_PORTS.join(', ')}`);
}
