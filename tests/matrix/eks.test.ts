/** The profile × scenario matrix for the eks profile (matrix.ts says what each cell proves). */
import { profileMatrix } from './matrix';

profileMatrix('eks');
