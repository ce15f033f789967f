# itgc-validate in a container, for scheduled runs (Kubernetes CronJob / Indexed Job, ECS scheduled task).
# See docs/scheduling.md. Credentials come from the platform (IRSA / EKS Pod Identity, ECS task role).
FROM node:22-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# The build ends by checking the bundled controls against the schema (the checked catalogue in dist/).
COPY controls ./controls
COPY schema ./schema
COPY scripts/bundle-cli.mjs ./scripts/
RUN npm run build && npm prune --omit=dev

FROM node:22-slim
# ITGC_REQUIRE_SIGN_KEY: a container never mints a signing key of its own (it would die with the container,
# and no bundle could be checked against a recorded fingerprint). Give the key of record as ITGC_SIGN_KEY
# (awskms:<key arn> / gcpkms:<cryptoKeyVersion>, or a mounted PEM) or --sign-key; --no-sign is explicit.
ENV NODE_ENV=production \
    CI=true \
    ITGC_REQUIRE_SIGN_KEY=1 \
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json README.md ./
COPY bin ./bin
COPY controls ./controls
COPY schema ./schema
COPY fixtures ./fixtures
COPY docs ./docs
# Non-root: the tool only needs to write its evidence under /evidence.
RUN mkdir -p /evidence && chown node:node /evidence
USER node
WORKDIR /evidence
ENTRYPOINT ["node", "/app/bin/itgc-validate.js"]
CMD ["--help"]
