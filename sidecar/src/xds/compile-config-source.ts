// Where a Listener's routes and a Cluster's endpoints come from: this sidecar follows only the
// ADS stream it already has.

/** `ads`, or `self` (the same management server, which for an ADS client is the ADS stream). */
export function isAdsSource(source: { config_source_specifier?: string } | undefined): boolean {
  return source?.config_source_specifier === 'ads' || source?.config_source_specifier === 'self';
}
