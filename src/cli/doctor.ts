// `tensorbook doctor`: not built yet (scaffolding; the owning issue replaces this file).
export async function main(_argv: string[]): Promise<number> {
  console.error("tensorbook doctor: not implemented yet");
  return 1;
}
