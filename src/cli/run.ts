// `tensorbook run`: not built yet (scaffolding; the owning issue replaces this file).
export async function main(_argv: string[]): Promise<number> {
  console.error("tensorbook run: not implemented yet");
  return 1;
}
