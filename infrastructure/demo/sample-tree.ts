import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A small tree like a person's: photos, documents, an empty folder, a symlink, unicode names. */
export const makeSampleTree = (root: string): void => {
  const write = (rel: string, bytes: Buffer | string) => {
    const full = path.join(root, rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, bytes);
  };
  for (let i = 1; i <= 12; i++) write(`Pictures/2019/IMG_${String(i).padStart(4, '0')}.jpg`, randomBytes(20_000 + i * 7_000));
  write('Pictures/2020/Ärger am Strand.jpg', randomBytes(150_000));
  write('Documents/notes.txt', 'Tapes outlive disks, if you can read them back.\n');
  write('Documents/taxes/2019 return.pdf', randomBytes(90_000));
  write('Documents/empty.txt', '');
  fs.mkdirSync(path.join(root, 'Music', 'to sort'), { recursive: true });
  fs.symlinkSync('../Pictures/2019', path.join(root, 'Documents', 'photos-2019'));
};

/** Between the two backups: one file changed, one added, one removed. */
export const changeSampleTree = (root: string): void => {
  fs.appendFileSync(path.join(root, 'Documents', 'notes.txt'), 'Second backup: incremental.\n');
  fs.writeFileSync(path.join(root, 'Pictures', '2020', 'IMG_0100.jpg'), randomBytes(60_000));
  fs.rmSync(path.join(root, 'Pictures', '2019', 'IMG_0003.jpg'));
};

/** Every path under a folder with what it is: sha256 of a file, target of a link, '<dir>' for a folder. */
export const describeTree = (root: string): Map<string, string> => {
  const out = new Map<string, string>();
  const visit = (dir: string, rel: string) => {
    for (const name of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, name);
      const key = rel === '' ? name : `${rel}/${name}`;
      const stat = fs.lstatSync(full);
      if (stat.isSymbolicLink()) out.set(key, `-> ${fs.readlinkSync(full)}`);
      else if (stat.isDirectory()) {
        out.set(key, '<dir>');
        visit(full, key);
      } else out.set(key, createHash('sha256').update(fs.readFileSync(full)).digest('hex'));
    }
  };
  visit(root, '');
  return out;
};

/** Paths whose content differs, or that only one side has. */
export const compareTrees = (a: string, b: string): string[] => {
  const left = describeTree(a);
  const right = describeTree(b);
  const keys = new Set([...left.keys(), ...right.keys()]);
  return [...keys].filter((k) => left.get(k) !== right.get(k)).sort();
};
