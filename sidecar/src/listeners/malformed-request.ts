// Answers what Node's HTTP parser rejects (the server's clientError): a plain-text status naming
// the parse error, so a bad client sees why, and the listener carries on serving others.
import type { Socket } from 'node:net';
import type { Logger } from 'pino';

const ANSWERS: Readonly<Record<string, readonly [number, string]>> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout'],
  ERR_HTTP_HEADERS_TIMEOUT: [408, 'Request Timeout'],
};

/** Node's private field for the response in progress on a socket; Node's own handler checks it too. */
type ServerSocket = Socket & { _httpMessage?: { headersSent?: boolean } | null };

export function answerMalformedRequest(listenerName: string, logger: Logger) {
  return (error: Error & { code?: string }, socket: ServerSocket): void => {
    const code = error.code ?? error.name;
    logger.debug({ listener: listenerName, code, remote: socket.remoteAddress }, 'malformed request');
    // Nothing can be said on a dead socket, or in the middle of a response already on the wire.
    if (code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent === true) {
      socket.destroy();
      return;
    }
    const [status, reason] = ANSWERS[code] ?? [400, 'Bad Request'];
    const body = `malformed request: ${code} (${listenerName} listener)\n`;
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
}
