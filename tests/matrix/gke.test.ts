/** The profile × scenario matrix for the gke profile (matrix.ts says what each cell proves). */
import { profileMatrix } from './matrix';

profileMatrix('gke');
