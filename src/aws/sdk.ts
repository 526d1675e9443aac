import { createRequire } from 'node:module';

/**
 * The AWS SDK's client packages, each loaded on first use instead of at start. One package costs a
 * process (and every answer thread, which loads the app again) up to ~40 MiB of idle RSS —
 * `@aws-sdk/client-ec2` alone is 2 MB of JavaScript building the schema of every EC2 operation —
 * and a web process's main thread, whose answer threads run the commands, may never need one
 * (docs/benchmarks.md, "Memory (idle RSS)"). The packages are CommonJS, so `require` loads them
 * synchronously and the modules in `aws/` keep their synchronous shapes: they write
 * `new ec2Sdk.DescribeImagesCommand(…)` where they wrote `new DescribeImagesCommand(…)`. It is the
 * same module instance an `import` of the package gives (Node shares CommonJS modules between both).
 */
const require = createRequire(import.meta.url);

type Ec2Sdk = typeof import('@aws-sdk/client-ec2');
type AutoScalingSdk = typeof import('@aws-sdk/client-auto-scaling');
type KmsSdk = typeof import('@aws-sdk/client-kms');
type SfnSdk = typeof import('@aws-sdk/client-sfn');
type SsmSdk = typeof import('@aws-sdk/client-ssm');
type StsSdk = typeof import('@aws-sdk/client-sts');

/** A module namespace whose package is required when one of its exports is first read. */
function lazyPackage<T extends object>(name: string): T {
  let loaded: T | undefined;
  const load = (): T => {
    loaded ??= require(name) as T;
    return loaded;
  };
  return new Proxy({} as T, {
    get: (_target, prop) => Reflect.get(load(), prop),
    has: (_target, prop) => Reflect.has(load(), prop),
  });
}

export const ec2Sdk = lazyPackage<Ec2Sdk>('@aws-sdk/client-ec2');
export const autoScalingSdk = lazyPackage<AutoScalingSdk>('@aws-sdk/client-auto-scaling');
export const kmsSdk = lazyPackage<KmsSdk>('@aws-sdk/client-kms');
export const sfnSdk = lazyPackage<SfnSdk>('@aws-sdk/client-sfn');
export const ssmSdk = lazyPackage<SsmSdk>('@aws-sdk/client-ssm');
export const stsSdk = lazyPackage<StsSdk>('@aws-sdk/client-sts');
