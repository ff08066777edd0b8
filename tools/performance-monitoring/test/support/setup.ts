// Runs in every test file (vitest setupFiles): scratch dirs go when the file ends, passed or failed.
import { afterAll } from 'vitest';
import { removeScratchDirs } from '../../harness/cli.js';

afterAll(removeScratchDirs);
