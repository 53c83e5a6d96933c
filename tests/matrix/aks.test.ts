/** The profile × scenario matrix for the aks profile (matrix.ts says what each cell proves). */
import { profileMatrix } from './matrix';

profileMatrix('aks');
