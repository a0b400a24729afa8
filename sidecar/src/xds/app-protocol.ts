// What the app speaks (`--app-protocol`), registered as its instances' protocol: a module of its own
// so the CLI can check the flag without loading the compiler.
export const APP_PROTOCOLS = ['http', 'http2', 'grpc', 'tcp'] as const;
export type AppProtocol = (typeof APP_PROTOCOLS)[number];
