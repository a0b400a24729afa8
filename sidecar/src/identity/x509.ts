// @peculiar/x509 on Node's WebCrypto (reflect-metadata first, as its decorators need): the sidecar makes
// its CSRs with it. The control plane has its own copy: the sidecar imports nothing from it.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

export { x509 };
