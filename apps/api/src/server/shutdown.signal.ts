import { Injectable } from '@nestjs/common';

/** Raised once at SIGTERM: long polls answer at once and live streams end, so the server can drain. */
@Injectable()
export class ShutdownSignal {
  private readonly controller = new AbortController();

  get aborted(): boolean {
    return this.controller.signal.aborted;
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  raise(): void {
    this.controller.abort();
  }
}
