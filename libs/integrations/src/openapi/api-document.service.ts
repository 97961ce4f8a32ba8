import { INestApplication, Injectable } from '@nestjs/common';
import { ApplicationConfig, HttpAdapterHost, ModulesContainer } from '@nestjs/core';
import { API_KEY_SCOPES } from '@consilium/identity';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { webhookDocumentation } from '../webhooks/webhook-catalog';

/** Every path of the integration API starts here; the rest of the platform (pages, consoles) is not in the document. */
export const API_PREFIX = '/api/v1';

const SCOPE_WORDS: Record<string, string> = {
  'cases.read': 'Cases, their timelines, files (never bytes), consents and records requests.',
  'opinions.read': 'Delivered opinions, their signed letters and the FHIR documents that carry them.',
  'cases.triage': "A records request's status.",
  'conversions.record': 'Visits and procedures that followed an opinion.',
  'analytics.read': "The conversion analytics' tables.",
};

const DESCRIPTION = `The hospital's second-opinion program, for its own systems: cases, delivered opinions, records requests,
conversions (visits and procedures that followed an opinion), analytics exports, FHIR R4, and signed webhooks.

**Authentication.** Every call but the token endpoint sends \`Authorization: Bearer <credential>\`: an API key
(\`ck_...\`), or an access token (\`cat_...\`) from \`POST /api/v1/oauth/token\` with an OAuth client's id and secret
(client credentials). Admins create both at \`/console/api-keys\` on the hospital's host, each with its scopes. A
credential works on its own hospital's host only.

**Errors** are RFC 9457 problem details (\`application/problem+json\`): match on \`code\`; \`errors\` names each
parameter or body member (JSON pointer) to fix. Under \`/api/v1/fhir\` they are FHIR OperationOutcomes. Another
hospital's id answers 404, as an unknown id does.

**Pages.** Lists are keyset-paginated: pass \`nextCursor\` back as \`cursor\` (also in the \`Link\` header, rel="next")
until it is null.

**Retries.** POSTs that record something take an \`Idempotency-Key\` (FHIR: or the resource's \`identifier\`): the same key
with the same body answers what the first call recorded.

**Webhooks** (below) are signed per the Standard Webhooks specification: verify \`webhook-id\`, \`webhook-timestamp\` and
\`webhook-signature\` with the endpoint's secret (any Standard Webhooks library), and treat \`webhook-id\` as the event's
identity: a retry of a delivery you already processed carries the same id.`;

/**
 * The OpenAPI 3.1 document of /api/v1, generated from the controllers' own decorators (the routes, their scopes and
 * their shapes), once per process. SwaggerModule reads routes from the application's module container; it wants the
 * application object only for that container and the (unused) global prefix and versioning, which this gives it
 * from the injectable parts, so any process that serves /api/v1 documents exactly its own routes.
 */
@Injectable()
export class ApiDocument {
  private document?: OpenAPIObject;

  constructor(
    private readonly modules: ModulesContainer,
    private readonly adapter: HttpAdapterHost,
  ) {}

  get(): OpenAPIObject {
    this.document ??= this.build();
    return this.document;
  }

  private build(): OpenAPIObject {
    const application = {
      container: { getModules: () => this.modules },
      config: new ApplicationConfig(),
      getHttpAdapter: () => this.adapter.httpAdapter,
    } as unknown as INestApplication;
    const config = new DocumentBuilder()
      .setOpenAPIVersion('3.1.0')
      .setTitle('Consilium integration API')
      .setVersion('1')
      .setDescription(DESCRIPTION)
      .addServer('/', "This hospital's host")
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (ck_...) or an OAuth access token (cat_...).' }, 'apiKey')
      .addOAuth2(
        {
          type: 'oauth2',
          description: 'OAuth 2.0 client credentials: an OAuth client made at /console/api-keys.',
          flows: {
            clientCredentials: {
              tokenUrl: `${API_PREFIX}/oauth/token`,
              scopes: Object.fromEntries(API_KEY_SCOPES.map((s) => [s, SCOPE_WORDS[s] ?? s])),
            },
          },
        },
        'oauth2',
      )
      .build();
    const document = SwaggerModule.createDocument(
      application,
      { ...config, webhooks: webhookDocumentation().webhooks },
      {
        operationIdFactory: (controller, method) => `${controller.replace(/^Api|Controller$/g, '')}_${method}`,
      },
    );
    document.paths = Object.fromEntries(Object.entries(document.paths).filter(([path]) => path.startsWith(API_PREFIX)));
    document.components = { ...document.components, schemas: { ...document.components?.schemas, ...webhookDocumentation().schemas } };
    // Tags in the order a reader meets them.
    document.tags = ['Credentials', 'Cases', 'Opinions', 'Conversions', 'Records requests', 'Analytics', 'FHIR R4'].map((name) => ({
      name,
    }));
    return document;
  }
}
