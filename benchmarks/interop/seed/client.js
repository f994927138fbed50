const client = {
  id: 'c02d5bf5-993e-4c6a-a248-6c307cc7681b',
  secret: 'c5bb2489292fac7711baedd65d87296261d08cdbdde2073c9fdb29941ac5446a',
  redirect: ['http://client.server.com/callback'],
  firstParty: false,
  grantTypes: ['authorization_code'],
  responseTypes: ['code'],
  responseModes: ['query'],
  authMethods: ['none'],
  scopes: ['openid', 'email', 'profile', 'offline_access'],
}
