import type { TapeId } from './tape-id';

/** What an LTFS mount says about the cartridge in the drive (ltfs-facts.md: identity). */
export interface CartridgeIdentity {
  /** The barcode read from the cartridge memory, padding trimmed. */
  readonly barcode: string | undefined;
  /** The 6-character volume serial in the LTFS label. */
  readonly volumeSerial: string | undefined;
}

const SERIAL_LENGTH = 6;

/**
 * The cartridge's own barcode (or volume serial) when it does not match the tape id
 * asked for, undefined when it matches or says nothing. The 6-character volume serial
 * must agree; the media code too when the cartridge memory holds a full barcode.
 */
export const cartridgeMismatch = (tape: TapeId, cartridge: CartridgeIdentity): string | undefined => {
  const barcode = cartridge.barcode?.trim().toUpperCase();
  if (barcode !== undefined && barcode !== '') {
    if (barcode.length > SERIAL_LENGTH) return barcode === tape ? undefined : barcode;
    return tape.startsWith(barcode) && barcode.length === SERIAL_LENGTH ? undefined : barcode;
  }
  const serial = cartridge.volumeSerial?.trim().toUpperCase();
  if (serial !== undefined && serial !== '' && serial !== tape.slice(0, SERIAL_LENGTH)) return serial;
  return undefined;
};
