// bwip-js publishes its Node typings only under the "node" export condition, which the
// workspace's bundler resolution does not select; labels.ts types the one function it uses.
declare module 'bwip-js' {
  const bwipjs: unknown;
  export default bwipjs;
}
