import * as fs from 'node:fs';

/** Fills `buffer` from `position` of the file (positioned reads until full or end of file); returns the bytes read. */
export const readFullySync = (fd: number, buffer: Buffer, position: number): number => {
  let got = 0;
  while (got < buffer.length) {
    const n = fs.readSync(fd, buffer, got, buffer.length - got, position + got);
    if (n === 0) break;
    got += n;
  }
  return got;
};
