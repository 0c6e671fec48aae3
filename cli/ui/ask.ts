import * as readline from 'node:readline';

/** One question to a person; undefined when the input ended (Ctrl-D, closed stdin). */
export type Ask = (question: string) => Promise<string | undefined>;

/** Asks on the terminal: the question goes to stderr so stdout stays data. */
export const terminalAsk: Ask = (question) =>
  new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
    let answered = false;
    rl.question(question, (answer) => {
      answered = true;
      rl.close();
      resolve(answer);
    });
    rl.on('close', () => {
      if (!answered) resolve(undefined);
    });
  });
