import { AppError } from '../errors.js';

export interface InputProblem<F extends string = string> {
  field: F;
  message: string;
}

/** Input a person typed that smsops refuses before calling Wavix; each problem names its field. */
export class InputError<F extends string = string> extends AppError {
  readonly problems: readonly InputProblem<F>[];

  constructor(problems: InputProblem<F>[]) {
    const text = problems.map((p) => p.message).join(' ');
    super(`invalid input: ${problems.map((p) => `${p.field}: ${p.message}`).join('; ')}`, text);
    this.name = 'InputError';
    this.problems = problems;
  }
}
