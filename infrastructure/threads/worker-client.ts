import * as t from 'io-ts';
import { PathReporter } from 'io-ts/PathReporter';
import { Worker } from 'node:worker_threads';

const ending = new WeakMap<Worker, Promise<void>>();

/**
 * Ends a worker thread and resolves once it has exited. The worker is referenced first:
 * an unreferenced worker's exit does not keep the event loop alive, and a process whose
 * loop empties while close() awaits that exit would end with close() never returning.
 * Idempotent.
 */
const endWorker = (worker: Worker): Promise<void> => {
  const known = ending.get(worker);
  if (known !== undefined) return known;
  worker.ref();
  const ended = worker.terminate().then(
    () => undefined,
    () => undefined,
  );
  ending.set(worker, ended);
  return ended;
};

export interface WorkerClientOptions<M> {
  /** What the thread is called in errors ("the segment hash worker"). */
  readonly name: string;
  /** The compiled worker module. */
  readonly file: string;
  readonly workerData: unknown;
  /** Every message the thread may send; anything else is a failure of the thread. */
  readonly messages: t.Type<M>;
  readonly onMessage: (message: M) => void;
  /**
   * Called once, the first time the thread fails: it threw, it exited without being
   * told to, or it sent a message that does not decode. Never after terminate().
   */
  readonly onFailure: (error: Error) => void;
  /**
   * 'while-busy': the thread keeps the process alive only between hold() and the
   * matching release() (a thread that waits for work never holds the process open);
   * 'always': until it is terminated.
   */
  readonly keepAlive: 'while-busy' | 'always';
}

/**
 * One worker thread, its failures handled in one place: an error, an exit nobody asked
 * for and a message that does not decode all end it the same way (onFailure, once);
 * terminate() ends it and resolves when it has exited. Messages are checked with their
 * io-ts codec's `is` (no allocation on the hot path); a message that fails is decoded
 * again only to say why.
 */
export class WorkerClient<M> {
  private readonly worker: Worker;
  private outstanding = 0;
  private ended = false;

  constructor(private readonly options: WorkerClientOptions<M>) {
    this.worker = new Worker(options.file, { workerData: options.workerData });
    if (options.keepAlive === 'while-busy') this.worker.unref();
    this.worker.on('message', (message: unknown) => this.received(message));
    this.worker.on('messageerror', (error: Error) => this.fail(new Error(`${options.name} sent a message that could not be read: ${error.message}`)));
    this.worker.on('error', (error: unknown) => this.fail(error instanceof Error ? error : new Error(String(error))));
    this.worker.on('exit', (code: number) => this.fail(new Error(`${options.name} exited (code ${code})`)));
  }

  /** False once terminated or failed: nothing sent is answered any more. */
  get running(): boolean {
    return !this.ended;
  }

  post(message: unknown): void {
    this.worker.postMessage(message);
  }

  /** One more piece of work is out: a 'while-busy' thread now keeps the process alive. */
  hold(): void {
    this.outstanding++;
    if (this.outstanding === 1 && !this.ended && this.options.keepAlive === 'while-busy') this.worker.ref();
  }

  /** A piece of work came back: with none left, a 'while-busy' thread lets the process end. */
  release(): void {
    if (this.outstanding === 0) return;
    this.outstanding--;
    if (this.outstanding === 0 && !this.ended && this.options.keepAlive === 'while-busy') this.worker.unref();
  }

  /** Every piece of work is forgotten (the caller settled it some other way). */
  releaseAll(): void {
    this.outstanding = 0;
    if (!this.ended && this.options.keepAlive === 'while-busy') this.worker.unref();
  }

  /** Ends the thread (idempotent); resolves once it has exited. onFailure is not called for it. */
  terminate(): Promise<void> {
    this.ended = true;
    return endWorker(this.worker);
  }

  private received(message: unknown): void {
    if (this.ended) return;
    if (this.options.messages.is(message)) return this.options.onMessage(message);
    const why = PathReporter.report(this.options.messages.decode(message)).join('; ');
    this.fail(new Error(`${this.options.name} sent a message that does not decode: ${why}`));
  }

  private fail(error: Error): void {
    if (this.ended) return;
    this.ended = true;
    // A failed thread must not hold the process open; whoever owns it still terminates it.
    this.worker.unref();
    this.options.onFailure(error);
  }
}
