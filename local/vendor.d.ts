// Just enough typing for the two in-process emulators, which ship none.
declare module "@20minutes/s3rver" {
  import type { EventEmitter } from "node:events";
  import type { IncomingMessage, ServerResponse } from "node:http";
  interface S3rverOptions {
    directory: string;
    silent?: boolean;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    /** Patched (fileshare): the only key pairs accepted, access key id -> secret; no built-in one. */
    accessKeys?: Record<string, string>;
    configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
  }
  class S3rver extends EventEmitter {
    constructor(options: S3rverOptions);
    configureBuckets(): Promise<void>;
    /** Koa's request handler: the promise settles once the request has been fully handled. */
    callback(): (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  }
  export = S3rver;
}

declare module "dynalite" {
  import type { Server } from "node:http";
  function dynalite(options: {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }): Server;
  export = dynalite;
}
