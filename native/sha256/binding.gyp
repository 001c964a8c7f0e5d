{
  'targets': [
    {
      'target_name': 'sha256',
      'sources': ['sha256.c'],
      # OpenSSL comes from the node binary's own exported symbols and headers
      # (<nodedir>/include/node/openssl), so no libraries are linked here.
      'defines': ['NAPI_VERSION=8'],
    },
  ],
}
