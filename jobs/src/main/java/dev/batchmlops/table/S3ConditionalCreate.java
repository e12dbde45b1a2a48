package dev.batchmlops.table;

import com.amazonaws.AmazonServiceException;
import com.amazonaws.services.s3.model.ObjectMetadata;
import com.amazonaws.services.s3.model.PutObjectRequest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.s3a.S3AFileSystem;

/**
 * Creates an object on S3 only if no object has its key, decided by the store in one request (a PUT
 * with {@code If-None-Match: *}, which S3 and S3-compatible stores answer with 412 when the key
 * exists). S3A's own create-without-overwrite asks first and writes after, so two writers can both
 * see the key free; this is what makes the dataset lock exclusive on S3. Loaded only for s3a://
 * paths, where spark-submit has put the S3A jars on the class path.
 */
final class S3ConditionalCreate {
  private S3ConditionalCreate() {}

  /** True when this call created {@code path}; false when the key existed or was being created. */
  static boolean createNew(FileSystem fs, Path path, byte[] content) throws IOException {
    S3AFileSystem s3a = (S3AFileSystem) fs;
    ObjectMetadata metadata = new ObjectMetadata();
    metadata.setContentLength(content.length);
    PutObjectRequest request =
        new PutObjectRequest(
            s3a.getBucket(),
            s3a.pathToKey(s3a.makeQualified(path)),
            new ByteArrayInputStream(content),
            metadata);
    request.putCustomRequestHeader("If-None-Match", "*");
    try {
      // S3A's own client: its endpoint, credentials and retry settings.
      s3a.getAmazonS3ClientForTesting("conditional create of " + path).putObject(request);
      return true;
    } catch (AmazonServiceException e) {
      // 412: the key exists; 409: another conditional write of the key is under way.
      if (e.getStatusCode() == 412 || e.getStatusCode() == 409) {
        return false;
      }
      throw new IOException("cannot create " + path + ": " + e.getErrorMessage(), e);
    }
  }
}
