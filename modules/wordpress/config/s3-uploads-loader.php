<?php
/**
 * Plugin Name: S3 Uploads loader (platform)
 * Description: Loads S3 Uploads, which the wordpress module installs at a pinned release, and points it at the Spaces endpoint.
 */

// The release zip unpacks either flat or into one folder; take whichever holds the plugin.
$s3_uploads_main = array_merge( glob( __DIR__ . '/s3-uploads/s3-uploads.php' ), glob( __DIR__ . '/s3-uploads/*/s3-uploads.php' ) );
if ( ! $s3_uploads_main ) {
	trigger_error( 'S3 Uploads is not installed in mu-plugins/s3-uploads: media stay local.', E_USER_WARNING );
	return;
}
if ( file_exists( dirname( $s3_uploads_main[0] ) . '/vendor/autoload.php' ) ) {
	require_once dirname( $s3_uploads_main[0] ) . '/vendor/autoload.php';
}
require_once $s3_uploads_main[0];

// S3 Uploads' documented custom-endpoint filter. Spaces serves virtual-hosted buckets and does
// not implement the SDK's newer default checksums.
add_filter( 's3_uploads_s3_client_params', function ( $params ) {
	$params['endpoint']                     = getenv( 'S3_UPLOADS_ENDPOINT' );
	$params['use_path_style_endpoint']      = false;
	$params['request_checksum_calculation'] = 'when_required';
	$params['response_checksum_validation'] = 'when_required';
	return $params;
} );
