import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditModule } from '@consilium/audit';
import { LocaleCookieInterceptor } from './locale-cookie.interceptor';
import { BlueprintApplier } from './blueprint/blueprint-applier';
import { BlueprintCatalog } from './blueprint/blueprint-catalog';
import { BlueprintExporter } from './blueprint/blueprint-exporter';
import { BlueprintSections } from './blueprint/blueprint-section';
import { TenantChangeFeed } from './cache/tenant-change-feed';
import { TenantContentCache } from './cache/tenant-content-cache';
import { BrandController } from './http/brand.controller';
import { ConsoleBrandingController } from './http/console-branding.controller';
import { OperatorTenantsController, OperatorTenantsPage } from './http/operator-tenants.controller';
import { MultipartConsoleForms } from './console/multipart-form';
import { TenantDomains } from './console/tenant-domains';
import { TenantOnboarding } from './console/tenant-onboarding';
import { TenantLayoutData } from './site/layout-data';
import { SiteRenderer } from './site/site-renderer';
import { TenantAsset } from './tenant-asset.entity';
import { TenantDirectory } from './tenant-directory';
import { TenantDomain } from './tenant-domain.entity';
import { TenantResolutionMiddleware } from './tenant-resolution.middleware';
import { TenantResolver } from './tenant-resolver';
import { TenantSettingsService } from './tenant-settings.service';
import { TenantSiteGuard } from './tenant-site.guard';
import { Tenant } from './tenant.entity';

const SHARED = [
  TenantChangeFeed,
  TenantContentCache,
  TenantResolver,
  TenantSiteGuard,
  SiteRenderer,
  BlueprintSections,
  BlueprintApplier,
  BlueprintCatalog,
  BlueprintExporter,
  TenantDirectory,
  TenantSettingsService,
  TenantOnboarding,
  TenantDomains,
];

@Module({
  imports: [TypeOrmModule.forFeature([Tenant, TenantDomain, TenantAsset]), AuditModule],
  controllers: [BrandController, ConsoleBrandingController, OperatorTenantsController],
  providers: [
    ...SHARED,
    TenantLayoutData,
    OperatorTenantsPage,
    MultipartConsoleForms,
    { provide: APP_INTERCEPTOR, useClass: LocaleCookieInterceptor },
  ],
  exports: SHARED,
})
export class TenancyModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(TenantResolutionMiddleware).forRoutes('*');
  }
}
