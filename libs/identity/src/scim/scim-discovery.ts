import { SCIM_USER_SCHEMA } from './scim-users.service';

const LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const CONFIG_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType';
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema';

/**
 * What a directory reads before it provisions (RFC 7643 §5-7): which operations this service provider supports, its
 * one resource type, and the attributes of a User it understands. Machine-read, so no human-facing descriptions (they
 * are optional in the RFC, and ours would have to be in the directory's language); the answers say only what
 * ScimUsers really does: no bulk, no sort, no etag, filter by `userName`/`externalId` eq, PATCH and PUT.
 */
export function serviceProviderConfig(base: string): Record<string, unknown> {
  return {
    schemas: [CONFIG_SCHEMA],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: 200 },
    changePassword: { supported: false },
    sort: { supported: false },
    etag: { supported: false },
    authenticationSchemes: [{ type: 'oauthbearertoken', name: 'OAuth Bearer Token', primary: true }],
    meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
  };
}

export function userResourceType(base: string): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: 'User',
    name: 'User',
    endpoint: '/Users',
    schema: SCIM_USER_SCHEMA,
    meta: { resourceType: 'ResourceType', location: `${base}/ResourceTypes/User` },
  };
}

const attribute = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  type: 'string',
  multiValued: false,
  required: false,
  caseExact: false,
  mutability: 'readWrite',
  returned: 'default',
  uniqueness: 'none',
  ...extra,
});

/** The User attributes this platform keeps; any other is refused on PATCH and ignored on POST/PUT. */
export function userSchema(base: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: SCIM_USER_SCHEMA,
    name: 'User',
    attributes: [
      // userName is the person's work email, the key of their account: set once, never renamed.
      attribute('userName', { required: true, mutability: 'immutable', uniqueness: 'server' }),
      attribute('displayName'),
      {
        ...attribute('name', { type: 'complex' }),
        subAttributes: [attribute('formatted'), attribute('givenName'), attribute('familyName')],
      },
      attribute('active', { type: 'boolean' }),
      {
        ...attribute('emails', { type: 'complex', multiValued: true, mutability: 'readOnly' }),
        subAttributes: [attribute('value'), attribute('type'), attribute('primary', { type: 'boolean' })],
      },
    ],
    meta: { resourceType: 'Schema', location: `${base}/Schemas/${SCIM_USER_SCHEMA}` },
  };
}

export function listOf(resources: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: [LIST_SCHEMA], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}
