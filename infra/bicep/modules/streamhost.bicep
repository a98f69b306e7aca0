// The SSE host (src/Stream.Host, ASP.NET Core) on an App Service Linux plan. Always On keeps
// the single LISTEN connection and the open streams alive; HTTP/1.1 because SSE is a plain
// long response (the heartbeat keeps App Service's idle timeout from closing it); no web sockets.

param name string
param planName string
param planSku string
param location string
param tags object
param identityId string
param applicationInsightsConnectionString string
param postgresConnectionStringReference string
param jwtAuthority string
param jwtAudience string

// ─── App settings ─── names as read by Stream.Host (appsettings.json / environment).
// The same Jwt__* settings as the Functions app (Impact.Shared.Security.JwtOptions): Jwt__Authority
// is set, so tokens are RS256 with the authority's keys (no signing key) and the issuer comes from
// the authority's metadata.
var appSettings = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
  Postgres__ConnectionString: postgresConnectionStringReference
  Jwt__Authority: jwtAuthority
  Jwt__Audience: jwtAudience
  Jwt__CompanyClaim: 'company_id'
  Stream__HeartbeatSeconds: '15'
  Stream__ReplayHours: '24'
  Stream__ClientBufferSize: '100'
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'linux'
  sku: {
    name: planSku
  }
  properties: {
    reserved: true
  }
}

resource site 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: tags
  kind: 'app,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    clientAffinityEnabled: false
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      linuxFxVersion: 'DOTNETCORE|10.0'
      appCommandLine: 'dotnet Impact.Stream.Host.dll'
      alwaysOn: true
      webSocketsEnabled: false
      http20Enabled: false
      healthCheckPath: '/health'
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
    }
  }
}

resource settings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: site
  name: 'appsettings'
  properties: appSettings
}

output name string = site.name
output url string = 'https://${site.properties.defaultHostName}'
