// @peculiar/x509 on Node's WebCrypto: its decorators need reflect-metadata loaded first, and it
// signs with whatever provider is set. Every identity file imports the library through here.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto);

export { x509 };
