import * as E from 'fp-ts/Either';
import { pipe } from 'fp-ts/function';
import { Generation, TAPE_ID_FORM, legacyMediaCodeProblem, normaliseBarcodeInput, parseBarcode, type TapeId, isTapeId } from '../domain/tape-id';
import type { AppError } from './errors';

/** A barcode typed by a person, upper-cased and checked. */
export const tapeIdFromInput = (input: string): E.Either<AppError, TapeId> => {
  const normalised = normaliseBarcodeInput(input);
  return pipe(
    parseBarcode(normalised),
    E.chain((): E.Either<AppError, TapeId> =>
      isTapeId(normalised) ? E.right(normalised) : E.left({ _tag: 'MalformedBarcode', input, expected: TAPE_ID_FORM }),
    ),
  );
};

/**
 * The generation of a new tape: from its media code, or `--generation` when the code
 * does not say it; both given and different is refused rather than guessed.
 */
export const generationFor = (input: string, explicit: string | undefined): E.Either<AppError, { tape: TapeId; generation: Generation }> => {
  const normalised = normaliseBarcodeInput(input);
  return pipe(
    parseBarcode(normalised),
    E.chainW((barcode) => {
      const given = explicit === undefined ? undefined : explicit.trim().toUpperCase();
      const legacy = legacyMediaCodeProblem(given ?? barcode.mediaCode);
      if (legacy !== undefined) return E.left<AppError>({ _tag: 'LegacyMediaCode', input: given ?? normalised, detail: legacy });
      if (given !== undefined && !Generation.is(given)) {
        return E.left<AppError>({ _tag: 'GenerationUnknown', input: given, mediaCode: barcode.mediaCode });
      }
      if (given !== undefined && barcode.generation !== undefined && given !== barcode.generation) {
        return E.left<AppError>({ _tag: 'GenerationMismatch', tape: normalised, fromBarcode: barcode.generation, given });
      }
      const generation = given ?? barcode.generation;
      if (generation === undefined) return E.left<AppError>({ _tag: 'GenerationUnknown', input: normalised, mediaCode: barcode.mediaCode });
      return isTapeId(normalised) ? E.right({ tape: normalised, generation }) : E.left<AppError>({ _tag: 'MalformedBarcode', input, expected: TAPE_ID_FORM });
    }),
  );
};
