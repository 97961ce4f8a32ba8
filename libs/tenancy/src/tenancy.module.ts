import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LocaleCookieInterceptor } from './locale-cookie.interceptor';
import { BlueprintApplier } from './blueprint/blueprint-applier';
import { BlueprintCatalog } from './blueprint/blueprint-catalog';
import { BrandController } from './http/brand.controller';
import { SiteHomeController } from './http/site-home.controller';
import { TenantLayoutData } from './layout-data';
import { TenantAsset } from './tenant-asset.entity';
import { TenantDirectory } from './tenant-directory';
import { TenantDomain } from './tenant-domain.entity';
import { TenantResolutionMiddleware } from './tenant-resolution.middleware';
import { TenantResolver } from './tenant-resolver';
import { TenantSiteGuard } from './tenant-site.guard';
import { Tenant } from './tenant.entity';

@Module({
  imports: [TypeOrmModule.forFeature([Tenant, TenantDomain, TenantAsset])],
  controllers: [SiteHomeController, BrandController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: LocaleCookieInterceptor }, TenantResolver, TenantSiteGuard, TenantLayoutData, BlueprintApplier, BlueprintCatalog, TenantDirectory],
  exports: [TenantResolver, TenantSiteGuard, BlueprintApplier, BlueprintCatalog, TenantDirectory],
})
export class TenancyModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(TenantResolutionMiddleware).forRoutes('*');
  }
}
