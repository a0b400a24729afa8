// OpenTelemetry's semantic conventions from the CommonJS build that the SDK's packages require: an
// ESM import would load the package's ESM build too, a second copy of ~0.5 MB of source that every
// sidecar would hold.
import { createRequire } from 'node:module';
import type * as SemanticConventions from '@opentelemetry/semantic-conventions';

export const {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_NETWORK_PEER_ADDRESS,
  ATTR_NETWORK_PEER_PORT,
  ATTR_NETWORK_PROTOCOL_VERSION,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_SERVICE_NAME,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
} = createRequire(import.meta.url)('@opentelemetry/semantic-conventions') as typeof SemanticConventions;
