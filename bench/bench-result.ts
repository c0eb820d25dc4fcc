/** One benchmark number, with the goal it is held to (README lists them). */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  goal: string;
}
