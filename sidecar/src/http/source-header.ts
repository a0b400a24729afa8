// The header that names the calling service to its destination's sidecar (metrics' source, rate
// limit descriptors): set by the caller's sidecar, never passed on from an app.
export const SOURCE_HEADER = 'x-pilotfish-source';
