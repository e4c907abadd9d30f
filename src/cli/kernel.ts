// `tensorbook kernel`: not built yet (scaffolding; the owning issue replaces this file).
export async function main(_argv: string[]): Promise<number> {
  console.error("tensorbook kernel: not implemented yet");
  return 1;
}
