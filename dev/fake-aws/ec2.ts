import type { Ec2Context, Ec2Handler } from './ec2-context.js';
import { copyImage, createImage } from './ec2-copy.js';
import { imageHandlers } from './ec2-images.js';
import { launchTemplateHandlers } from './ec2-launch-templates.js';
import { resourceHandlers } from './ec2-resources.js';
import { snapshotHandlers } from './ec2-snapshots.js';
import { AwsError } from './errors.js';
import { type QueryParams, queryBool } from './query.js';
import { type XmlObject, xmlDocument } from './xml.js';

export const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
export const EC2_VERSION = '2016-11-15';

const HANDLERS: Readonly<Record<string, Ec2Handler>> = {
  ...imageHandlers,
  ...snapshotHandlers,
  ...resourceHandlers,
  ...launchTemplateHandlers,
  CopyImage: copyImage,
  CreateImage: createImage,
};

/** The EC2 actions the fake answers. */
export const EC2_ACTIONS: readonly string[] = Object.keys(HANDLERS).sort();

/** Runs one EC2 action; the server renders it as `<ActionResponse xmlns=…><requestId>…</requestId>…`. */
export function handleEc2(ctx: Ec2Context, action: string, params: QueryParams): XmlObject {
  const handler = HANDLERS[action];
  if (!handler)
    throw new AwsError('InvalidAction', `The action ${action} is not valid for this web service.`);
  if (queryBool(params, 'DryRun')) {
    throw new AwsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
  }
  return handler(ctx, params);
}

export function ec2ErrorXml(error: AwsError, requestId: string): string {
  return xmlDocument('Response', undefined, {
    Errors: { Error: { Code: error.code, Message: error.message } },
    RequestID: requestId,
  });
}
