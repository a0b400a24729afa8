// Envoy's response flags this sidecar sets ("-": none): why the proxy answered a request itself or
// how its exchange upstream failed, for metrics, access logs and spans.
export type ResponseFlag =
  '-' | 'NR' | 'NC' | 'UH' | 'UF' | 'UC' | 'UT' | 'UO' | 'RL' | 'FI' | 'DPE' | 'RBAC_ACCESS_DENIED';
