import { password } from '@inquirer/prompts';

const isPromptExit = (error: unknown): boolean => error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');

/**
 * Reads one line from the terminal without echoing it (passphrases), on @inquirer's
 * password prompt: its readline turns arrow keys and other escape sequences into cursor
 * moves rather than characters of the passphrase, and backspace removes a whole character
 * (a surrogate pair too). Ctrl-C ends the process with 130, as SIGINT would. Written to
 * stderr so that stdout stays the command's output. Only for a TTY: callers check
 * Io.interactive first.
 */
export const askHidden = async (prompt: string): Promise<string> => {
  try {
    return await password({ message: prompt.replace(/:\s*$/, ''), mask: false }, { output: process.stderr });
  } catch (error) {
    if (isPromptExit(error)) process.exit(130);
    throw error;
  }
};
