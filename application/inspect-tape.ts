import * as E from 'fp-ts/Either';
import type { TapeId } from '../domain/tape-id';
import type { TapeEventEntry } from '../infrastructure/event-store/event-store';
import { ltfsFacts, type LtfsFacts } from '../infrastructure/tape/ltfs-attributes';
import type { TapeInfoView, TapeView } from '../projections/ports/tape-queries';
import type { App } from './app';
import type { AppError } from './errors';
import { openTapeSessionIfMounted, type ContactReport, type MountSource, type TapeSession } from './tape-session';

export interface MountState {
  readonly path: string;
  readonly via: MountSource;
  readonly report: ContactReport;
}

const contactIfMounted = async (app: App, tape: TapeId, mountOption: string | undefined): Promise<E.Either<AppError, MountState | null>> =>
  E.map((session: TapeSession | undefined): MountState | null =>
    session === undefined ? null : { path: session.mount, via: session.via, report: session.report },
  )(await openTapeSessionIfMounted(app, tape, mountOption));

export interface TapeDetails {
  readonly tape: TapeView;
  readonly info: TapeInfoView | undefined;
  readonly mount: MountState | null;
  readonly pendingEvents: number;
  /** What the LTFS mount reports (index, media, health); undefined when not mounted or a plain folder. */
  readonly ltfs: LtfsFacts | undefined;
}

export const showTape = async (app: App, tape: TapeId, mountOption: string | undefined): Promise<E.Either<AppError, TapeDetails>> => {
  const mount = await contactIfMounted(app, tape, mountOption);
  if (E.isLeft(mount)) return mount;
  const view = await app.catalog.tape(tape);
  if (view === undefined) return E.left({ _tag: 'TapeNotRegistered', tape });
  return E.right({
    tape: view,
    info: await app.catalog.tapeInfo(tape),
    mount: mount.right,
    pendingEvents: (await app.store.pendingFor(tape)).length,
    ltfs: mount.right === null ? undefined : ltfsFacts(mount.right.path),
  });
};

export const tapeHistory = async (
  app: App,
  tape: TapeId,
  mountOption: string | undefined,
): Promise<E.Either<AppError, readonly TapeEventEntry[]>> => {
  const mount = await contactIfMounted(app, tape, mountOption);
  if (E.isLeft(mount)) return mount;
  const events = await app.store.tapeEvents(tape);
  if ((await app.catalog.tape(tape)) === undefined && events.length === 0) {
    return E.left({ _tag: 'TapeNotRegistered', tape });
  }
  return E.right(events);
};
